/** The request builders live in src/samples (the benchmarks and the clinical check use them too). */
export * from '../../src/samples/cds-requests';
