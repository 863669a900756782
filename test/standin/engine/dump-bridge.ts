// Executes the statements DUMP DATABASE produces through src/cypher (parseDumpStatement + DumpApplier),
// so the stand-in loads a dump with the same code mgbackup's tests trust. Loaded dynamically so the
// rest of the engine works while those modules are still being written; the narrow interface below is
// all the engine needs from them.
import type { Graph } from '../../../src/graph/model.js';
import { readDumpRecord } from '../../../src/core/load/dump-record-reader.js';

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

export async function loadDumpExecution(): Promise<DumpExecution | undefined> {
  // A computed specifier, so the build does not depend on those files existing yet.
  const cypher = '../../../src/cypher/';
  try {
    const parser = (await import(`${cypher}dump-statement.js`)) as unknown as {
      parseDumpStatement(text: string): ParsedStatement | undefined;
    };
    const applier = (await import(`${cypher}dump-applier.js`)) as unknown as {
      DumpApplier: new (graph: Graph) => StatementApplier;
    };
    return {
      // The quick reader agrees with the general parser wherever it answers (DUMP's exact spelling) and
      // is several times faster; every statement, replayed or from an UNWIND row, goes through here.
      parse: (text) => readDumpRecord(text) ?? parser.parseDumpStatement(text),
      newApplier: (graph) => new applier.DumpApplier(graph),
    };
  } catch {
    return undefined;
  }
}
