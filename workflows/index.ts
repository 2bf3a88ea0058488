// Everything the worker registers (workflowsPath points here).
export { callbackWorkflow } from './callback';
export { agentWorkflow } from './agent';
