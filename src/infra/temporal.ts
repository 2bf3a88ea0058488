import { temporal } from '@temporalio/proto';
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';
import type { Connection } from '@temporalio/client';
import { status } from '@grpc/grpc-js';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;

const INDEXED_TYPE: Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType> = {
  [SearchAttributeType.TEXT]: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  [SearchAttributeType.KEYWORD]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.INT]: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  [SearchAttributeType.DOUBLE]: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  [SearchAttributeType.BOOL]: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  [SearchAttributeType.DATETIME]: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  [SearchAttributeType.KEYWORD_LIST]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** Registers the callback search attributes (S55) that the namespace lacks. */
export async function registerSearchAttributes(
  connection: Connection,
  namespace: string,
  keys: ReturnType<typeof defineSearchAttributeKey>[] = ALL_SEARCH_ATTRIBUTES,
): Promise<string[]> {
  const known = new Set<string>();
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    for (const name of Object.keys(existing.customAttributes ?? {})) known.add(name);
  } catch (err) {
    // The time-skipping test server implements add but not list.
    if ((err as { code?: number }).code !== status.UNIMPLEMENTED) throw err;
  }
  const missing = keys.filter((key) => !known.has(key.name));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      missing.map((key) => [key.name, INDEXED_TYPE[key.type as SearchAttributeType]]),
    ),
  });
  return missing.map((key) => key.name);
}

/** The type names `temporal operator search-attribute create --type` documents. */
export const CLI_TYPE: Record<SearchAttributeType, string> = {
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

/** `temporal server start-dev` arguments that register every search attribute at start. */
export function devServerSearchAttributeArgs(
  keys: ReturnType<typeof defineSearchAttributeKey>[] = ALL_SEARCH_ATTRIBUTES,
): string[] {
  return keys.flatMap((key) => ['--search-attribute', `${key.name}=${CLI_TYPE[key.type as SearchAttributeType]}`]);
}

/** `temporal operator search-attribute create` commands that register `keys` by hand. */
export function searchAttributeCommands(
  namespace: string,
  address: string,
  keys: ReturnType<typeof defineSearchAttributeKey>[] = ALL_SEARCH_ATTRIBUTES,
): string[] {
  return keys.map(
    (key) =>
      `temporal operator search-attribute create --address ${address} --namespace ${namespace} --name ${key.name} --type ${CLI_TYPE[key.type as SearchAttributeType]}`,
  );
}

/** The namespace lacks search attributes and this process may not add them. */
export class SearchAttributesMissingError extends Error {
  override name = 'SearchAttributesMissingError';
}

/**
 * Makes sure the search attributes exist before this process starts workflows (issue #10
 * item 1): idempotent (only missing ones are added; a concurrent process adding the same is
 * fine). Without operator rights it throws a message naming them and the commands, so a
 * process never runs while every workflow start fails.
 */
export async function ensureSearchAttributes(
  connection: Connection,
  namespace: string,
  address: string,
  keys: ReturnType<typeof defineSearchAttributeKey>[] = ALL_SEARCH_ATTRIBUTES,
): Promise<string[]> {
  try {
    return await registerSearchAttributes(connection, namespace, keys);
  } catch (err) {
    // A concurrent process registered them between our list and our add, or this identity
    // may not use the operator service but the attributes are there: a visibility query
    // naming each one is accepted only if it exists.
    if (await searchAttributesUsable(connection, namespace, keys)) return [];
    const names = keys.map((key) => `${key.name} (${CLI_TYPE[key.type as SearchAttributeType]})`).join(', ');
    const reason = err instanceof Error ? err.message : String(err);
    throw new SearchAttributesMissingError(
      `the Temporal namespace "${namespace}" at ${address} lacks the search attributes this service needs ` +
        `(${names}) and they could not be registered: ${reason}\n` +
        `Ask an operator of the cluster to run:\n${searchAttributeCommands(namespace, address, keys)
          .map((line) => `  ${line}`)
          .join('\n')}`,
      { cause: err },
    );
  }
}

async function searchAttributesUsable(
  connection: Connection,
  namespace: string,
  keys: ReturnType<typeof defineSearchAttributeKey>[],
): Promise<boolean> {
  try {
    for (const key of keys) {
      const value = key.type === SearchAttributeType.DATETIME ? '"2000-01-01T00:00:00Z"' : '"-"';
      await connection.workflowService.countWorkflowExecutions({ namespace, query: `${key.name} = ${value}` });
    }
    return true;
  } catch {
    return false;
  }
}
