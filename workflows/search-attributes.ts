// S55: what operators filter callbacks by in the Temporal UI. No phone number here.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const CALLBACK_PROJECT = defineSearchAttributeKey('CallbackProject', SearchAttributeType.KEYWORD);
export const CALLBACK_STATUS = defineSearchAttributeKey('CallbackStatus', SearchAttributeType.KEYWORD);
export const CALLBACK_MODE = defineSearchAttributeKey('CallbackMode', SearchAttributeType.KEYWORD);
export const CALLBACK_DUE_AT = defineSearchAttributeKey('CallbackDueAt', SearchAttributeType.DATETIME);

export const ALL_SEARCH_ATTRIBUTES = [CALLBACK_PROJECT, CALLBACK_STATUS, CALLBACK_MODE, CALLBACK_DUE_AT];
