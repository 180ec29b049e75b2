// Server-sent events out. JSON.stringify escapes every line break, so each payload is one data line.

/** An unnamed event carrying `value` as JSON. */
export function encodeSseData(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}

/** A named event (`event: <name>`) carrying `value` as JSON. */
export function encodeSseEvent(name: string, value: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(value)}\n\n`;
}
