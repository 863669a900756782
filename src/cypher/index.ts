// The Cypher dump dialect: everything that prints or reads the statements Memgraph's DUMP DATABASE
// produces (values, statements, their order), the canonical comparison form, and the splitter for
// hand-written .cypherl files. Pure functions over src/graph's model; no I/O here.
export * from './render-value.js';
export * from './render-dump.js';
export * from './literal-parser.js';
export * from './dump-statement.js';
export * from './dump-applier.js';
export * from './canonical.js';
export * from './statement-splitter.js';
