// Executes the statements DUMP DATABASE produces through src/cypher (parseDumpStatement + DumpApplier),
// so the stand-in loads a dump with the same code mgbackup's tests trust. The narrow interface below is
// all the engine needs from them.
import type { Graph } from '../../../src/graph/model.js';
import { readDumpRecord } from '../../../src/core/load/dump-record-reader.js';
import { parseDumpStatement } from '../../../src/cypher/dump-statement.js';
import { DumpApplier } from '../../../src/cypher/dump-applier.js';

export interface ParsedStatement {
  kind: string;
}

export interface StatementApplier {
  apply(stmt: ParsedStatement): void;
}

export interface DumpExecution {
  parse(text: string): ParsedStatement | undefined;
  newApplier(graph: Graph): StatementApplier;
}

export const dumpExecution: DumpExecution = {
  // The quick reader agrees with the general parser wherever it answers (DUMP's exact spelling) and
  // is several times faster; every statement, replayed or from an UNWIND row, goes through here.
  parse: (text) => readDumpRecord(text) ?? parseDumpStatement(text),
  newApplier: (graph) => new DumpApplier(graph) as unknown as StatementApplier,
};
