// Types for the parts of judge-decoded.mjs that test/judge.test.ts uses.
export interface Decoded {
  seconds: number;
  format?: string;
  codec?: string;
  video?: boolean;
  exit: number;
  message?: string;
}
export function decode(file: string, timeoutS?: number): Promise<Decoded>;
export function rawInput(ext: string): string[];
export function parseCsv(text: string): string[][];
export function decodeName(bytes: Uint8Array): string;
export function inside(root: string, p: string): boolean;
export const LIMIT_SHARE: number;
export function impossibleAbove(decoded: number): number;
export interface Row {
  path: string;
  kind: string;
  codec?: string;
  seconds?: number;
  decoded: number;
  counted?: number;
  diff?: number;
  ratio?: number;
}
export interface Criterion {
  name: string;
  pass: boolean;
  value: string;
}
export interface Judgement {
  files: number;
  decodedTotal: number;
  countedTotal: number;
  absErr: number;
  over: number;
  under: number;
  share: number;
  impossible: Row[];
  missed: Row[];
  worst: Row[];
  criteria: Criterion[];
}
export function judge(rows: Row[]): Judgement;
export function cause(r: Row): string;
export interface Group {
  cause: string;
  media: string;
  files: number;
  absErr: number;
  paths: string[];
}
export function byCause(rows: Row[]): Group[];
