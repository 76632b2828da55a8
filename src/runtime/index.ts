// The one place that knows which runtime runs the service.
export * from './file-limit.ts';
export * from './files.ts';
export * from './connection-guard.ts';
export * from './http-server.ts';
export * from './platform.ts';
export * from './idle-collection.ts';
export * from './buffer-transfer.ts';
export * from './threads.ts';
