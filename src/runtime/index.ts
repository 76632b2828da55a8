// The one place that knows which runtime runs the service.
export * from './files.ts';
export * from './http-server.ts';
export * from './platform.ts';
