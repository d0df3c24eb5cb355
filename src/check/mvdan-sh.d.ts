/**
 * The part of `mvdan-sh` (mvdan.cc/sh/v3/syntax compiled to JavaScript by GopherJS; no types of its own) that
 * ./shell.ts uses. Nodes come back as wrappers around the Go values; shell.ts reads the Go values behind
 * them (`__internal_object__`), whose fields are those of the Go API (https://pkg.go.dev/mvdan.cc/sh/v3/syntax).
 */
declare module 'mvdan-sh' {
  /** A JavaScript wrapper around a Go value. */
  export interface GoWrapper {
    readonly __internal_object__: unknown;
  }

  export interface Pos {
    /** Byte offset (UTF-8) in the parsed source. */
    Offset(): number;
    Line(): number;
    Col(): number;
  }

  /** What `Parse` throws on a syntax error (a wrapped `*syntax.ParseError`). */
  export interface ParseError {
    readonly Text: string;
    readonly Pos: Pos;
    Error(): string;
  }

  export interface Parser {
    /** Parses a whole script; throws a ParseError on invalid syntax. */
    Parse(source: string, name: string): GoWrapper;
  }

  export interface ParserOption {
    readonly __parserOption: never;
  }

  export interface Syntax {
    NewParser(...options: ParserOption[]): Parser;
    Variant(language: number): ParserOption;
    KeepComments(keep: boolean): ParserOption;
    readonly LangBash: number;
    readonly LangPOSIX: number;
  }

  export const syntax: Syntax;
}
