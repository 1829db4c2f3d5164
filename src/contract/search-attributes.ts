/**
 * The search attributes operators filter hosts by (`BmhState='provisioned'`), defined once: the
 * workflow upserts them, clients query them, and the dev server registers them
 * (scripts/temporal-dev.sh; a unit test checks it registers exactly these).
 */
import { defineSearchAttributeKey, type SearchAttributeType } from '@temporalio/common';

export const SearchAttr = {
  name: defineSearchAttributeKey('BmhName', 'KEYWORD'),
  namespace: defineSearchAttributeKey('BmhNamespace', 'KEYWORD'),
  state: defineSearchAttributeKey('BmhState', 'KEYWORD'),
  operationalStatus: defineSearchAttributeKey('BmhOperationalStatus', 'KEYWORD'),
  errorType: defineSearchAttributeKey('BmhErrorType', 'KEYWORD'),
  poweredOn: defineSearchAttributeKey('BmhPoweredOn', 'BOOL'),
} as const;

const CLI_TYPE_NAMES: Partial<Record<SearchAttributeType, 'Keyword' | 'Bool'>> = { KEYWORD: 'Keyword', BOOL: 'Bool' };

/** `name=Type` pairs for `temporal server start-dev --search-attribute` / `operator search-attribute create`. */
export const SEARCH_ATTRIBUTE_TYPES: Record<string, 'Keyword' | 'Bool'> = Object.fromEntries(
  Object.values(SearchAttr).map((key) => [key.name, CLI_TYPE_NAMES[key.type] ?? 'Keyword']),
);
