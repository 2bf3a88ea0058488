// Cursor pagination for lists (`limit`, `cursor` → `{ items, nextCursor? }`): keyset, so a
// walk sees every row once even while rows are added; the cursor is opaque base64url JSON
// of the last row's sort key.
import { z } from 'zod';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 500;

export const limitSchema = z.coerce
  .number()
  .int()
  .min(1)
  .max(MAX_PAGE_SIZE)
  .default(DEFAULT_PAGE_SIZE)
  .meta({ description: `Page size, 1–${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})` });

export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** A query parameter holding a cursor whose decoded key must match `key`. */
export function cursorSchema<T extends z.ZodType>(key: T) {
  return z
    .string()
    .min(1)
    .max(1000)
    .regex(/^[A-Za-z0-9_-]+$/, { error: 'is not a cursor returned by this list' })
    .transform((text, ctx): z.output<T> => {
      let value: unknown;
      try {
        value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
      } catch {
        value = undefined;
      }
      const parsed = key.safeParse(value);
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: 'is not a cursor returned by this list' });
        return z.NEVER;
      }
      return parsed.data;
    })
    .meta({ description: "The previous page's nextCursor" });
}

/** One page of `rows` fetched with `take: limit + 1`. */
export function pageOf<Row, Item>(
  rows: Row[],
  limit: number,
  view: (row: Row) => Item,
  keyOf: (row: Row) => unknown,
): { items: Item[]; nextCursor?: string } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(view),
    ...(rows.length > limit && last !== undefined ? { nextCursor: encodeCursor(keyOf(last)) } : {}),
  };
}

export const nextCursorSchema = z
  .string()
  .optional()
  .meta({ description: 'Present when more items follow: pass it as `cursor` for the next page' });
