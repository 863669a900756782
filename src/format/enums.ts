// The enum registry that gives meaning to the raw (type id, value id) pairs in property values:
// ids are positions in the snapshot's enum list, continued by ENUM_CREATE order across the WAL chain.
import { MgBackupError, q } from '../errors/errors.js';
import type { EnumValue } from '../graph/value.js';

export interface EnumDef {
  name: string;
  values: string[];
}

export class EnumRegistry {
  readonly types: EnumDef[];

  constructor(types: readonly EnumDef[] = []) {
    this.types = types.map((t) => ({ name: t.name, values: [...t.values] }));
  }

  clone(): EnumRegistry {
    return new EnumRegistry(this.types);
  }

  create(name: string, values: string[]): void {
    this.types.push({ name, values: [...values] });
  }

  addValue(name: string, value: string): void {
    this.byName(name)?.values.push(value);
  }

  updateValue(name: string, oldValue: string, newValue: string): void {
    const t = this.byName(name);
    const i = t?.values.indexOf(oldValue) ?? -1;
    if (t && i >= 0) t.values[i] = newValue;
  }

  private byName(name: string): EnumDef | undefined {
    return this.types.find((t) => t.name === name);
  }

  /** Resolver for readValue; unknown ids mean the registry's history (snapshot or WAL prefix) is missing. */
  readonly resolve = (typeId: bigint, valueId: bigint, offset: number): EnumValue => {
    const t = typeId < BigInt(this.types.length) ? this.types[Number(typeId)] : undefined;
    const v = t && valueId < BigInt(t.values.length) ? t.values[Number(valueId)] : undefined;
    if (t === undefined || v === undefined) {
      throw new MgBackupError('integrity', `unresolvable enum value ${q(`${typeId}:${valueId}`)} at offset ${offset}`, {
        hints: ['enum ids refer to the enum definitions of the snapshot and earlier WAL files: decode this file together with them'],
      });
    }
    return { kind: 'enum', type: t.name, value: v };
  };
}
