/** Reading a shipped JSON file (model manifest, mapping tables) with an error that names the file and its role. */
import { readFileSync } from 'fs';

export function readJsonFile(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the ${what} ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
