// Node (IncomingHttpHeaders) and undici both give a repeated header as an array of its values.
type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** The first value of a header, as it was sent; undefined when absent. */
export function headerValue(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
