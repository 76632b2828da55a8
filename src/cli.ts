// Placeholder; the service replaces it.
console.log('cc-metric-store-ts');
