/**
 * A refusal the user must read: an i18n key with its parameters, translated where it is shown (a page, the
 * command line). Each area names its own subclass so callers can tell them apart.
 */
export class KeyedError extends Error {
  constructor(
    readonly key: string,
    readonly params: Record<string, string | number> = {},
  ) {
    super(key);
    this.name = new.target.name;
  }
}
