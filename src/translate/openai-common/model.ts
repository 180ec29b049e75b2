// Which upstream model a request goes to: MODEL_MAP_JSON rewrites a mapped name; a missing model becomes
// AUTOVISION_MODEL when the request carries an image, else AUTOTEXT_MODEL.
export interface ModelRules {
  modelMap: Readonly<Record<string, string>>;
  autoTextModel: string;
  autoVisionModel: string;
}

export function resolveModel(requested: unknown, hasImage: boolean, rules: ModelRules): string {
  if (typeof requested === 'string' && requested.trim() !== '') {
    return Object.hasOwn(rules.modelMap, requested) ? rules.modelMap[requested] : requested;
  }
  return hasImage ? rules.autoVisionModel : rules.autoTextModel;
}

/** Whether any message of an Anthropic Messages body carries an image block (tool results included). */
export function anthropicBodyHasImage(messages: unknown): boolean {
  if (!Array.isArray(messages)) return false;
  const hasImage = (content: unknown): boolean =>
    Array.isArray(content) &&
    content.some((block) => block && typeof block === 'object' && ((block as { type?: unknown }).type === 'image' || hasImage((block as { content?: unknown }).content)));
  return messages.some((message) => message && typeof message === 'object' && hasImage((message as { content?: unknown }).content));
}
