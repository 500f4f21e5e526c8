// Stands in for @langchain/core/messages inside the CLI bundle only (see scripts/build.mjs).
// The LangGraph SDK imports these classes for its protocol-v2 streams and React helpers, which
// lgauth never uses; the real module costs ~25 MB and ~250 ms at every start. Reaching any of
// these is a bug in lgauth's use of the SDK, so each one fails loudly.
function unavailable(name) {
  return class {
    constructor() {
      throw new Error(`@langchain/core/messages ${name} is not bundled in the lgauth CLI`);
    }
  };
}
export const AIMessage = unavailable("AIMessage");
export const AIMessageChunk = unavailable("AIMessageChunk");
export const BaseMessageChunk = unavailable("BaseMessageChunk");
export const HumanMessage = unavailable("HumanMessage");
export const HumanMessageChunk = unavailable("HumanMessageChunk");
export const RemoveMessage = unavailable("RemoveMessage");
export const SystemMessage = unavailable("SystemMessage");
export const SystemMessageChunk = unavailable("SystemMessageChunk");
export const ToolMessage = unavailable("ToolMessage");
export const ToolMessageChunk = unavailable("ToolMessageChunk");
export function coerceMessageLikeToMessage() {
  throw new Error("@langchain/core/messages coerceMessageLikeToMessage is not bundled in the lgauth CLI");
}
export function convertToChunk() {
  throw new Error("@langchain/core/messages convertToChunk is not bundled in the lgauth CLI");
}
