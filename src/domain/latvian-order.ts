/** Latvian text in Latvian alphabetical order (č after c, ļ after l, numbers by value), for every sorted list. */
export const latvianCollator = new Intl.Collator('lv', { numeric: true });
