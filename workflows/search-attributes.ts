// S55: what operators filter callbacks by in the Temporal UI. No phone number here.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const CALLBACK_PROJECT = defineSearchAttributeKey('CallbackProject', SearchAttributeType.KEYWORD);
export const CALLBACK_STATUS = defineSearchAttributeKey('CallbackStatus', SearchAttributeType.KEYWORD);
export const CALLBACK_MODE = defineSearchAttributeKey('CallbackMode', SearchAttributeType.KEYWORD);
export const CALLBACK_DUE_AT = defineSearchAttributeKey('CallbackDueAt', SearchAttributeType.DATETIME);

// #14.5: agent workflows (`agent-<id>`): the agent's projects (set at start) and presence
// state (kept current by the workflow).
export const AGENT_PROJECTS = defineSearchAttributeKey('AgentProjects', SearchAttributeType.KEYWORD_LIST);
export const AGENT_PRESENCE = defineSearchAttributeKey('AgentPresence', SearchAttributeType.KEYWORD);

/** Every custom search attribute; registered at start-up (one list for all). */
export const ALL_SEARCH_ATTRIBUTES = [
  CALLBACK_PROJECT,
  CALLBACK_STATUS,
  CALLBACK_MODE,
  CALLBACK_DUE_AT,
  AGENT_PROJECTS,
  AGENT_PRESENCE,
];
