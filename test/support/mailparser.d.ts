/** The part of mailparser 3.7 the tests use (the package ships no types; @types/mailparser is not installed). */
declare module 'mailparser' {
  export interface AddressObject {
    value: { address?: string; name: string }[];
    text: string;
  }
  export interface ParsedMail {
    subject?: string;
    text?: string;
    html: string | false;
    messageId?: string;
    date?: Date;
    from?: AddressObject;
    to?: AddressObject | AddressObject[];
    headers: Map<string, unknown>;
  }
  export function simpleParser(source: string | Buffer): Promise<ParsedMail>;
}
