export function generateTemplates(): string;
export function generateAssets(): string;
export function generate(): string[];
export const TYPES: Record<string, string>;
