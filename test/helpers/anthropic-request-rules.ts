// What Anthropic's Messages API accepts, as a checker for the requests the service sends upstream: returns
// the reasons Anthropic would refuse a body (empty when it would take it). Written from Anthropic's docs (the
// Messages API reference, "How to implement tool use", "Extended thinking", "Prompt caching") and the 400
// messages the API answers with; it checks what the translator produces, not every rule of the API.

type Json = Record<string, any>;

const TOP_LEVEL = new Set([
  'model', 'messages', 'max_tokens', 'system', 'metadata', 'stop_sequences', 'stream', 'temperature', 'top_k', 'top_p',
  'tools', 'tool_choice', 'thinking', 'service_tier', 'container', 'mcp_servers', 'context_management', 'output_config',
]);
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const TOOL_USE_ID = /^[a-zA-Z0-9_-]+$/;
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const MAX_CACHE_BREAKPOINTS = 4;

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

export function anthropicRequestProblems(body: unknown): string[] {
  const problems: string[] = [];
  const problem = (text: string) => problems.push(text);
  if (!isObject(body)) return ['the body is not a JSON object'];
  for (const key of Object.keys(body)) if (!TOP_LEVEL.has(key)) problem(`${key}: Extra inputs are not permitted`);
  if (typeof body.model !== 'string' || body.model === '') problem('model: a non-empty string is required');
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) problem('max_tokens: an integer >= 1 is required');
  let cacheBreakpoints = 0;
  // Prompt caching: a marker with a 1h TTL may not come after one with a 5m TTL (in prompt order).
  let shortTtlSeen = false;
  const cacheControl = (block: Json, where: string) => {
    if (block.cache_control === undefined) return;
    cacheBreakpoints++;
    const cc = block.cache_control;
    if (!isObject(cc) || cc.type !== 'ephemeral') problem(`${where}.cache_control: type must be "ephemeral"`);
    else if (cc.ttl !== undefined && cc.ttl !== '5m' && cc.ttl !== '1h') problem(`${where}.cache_control.ttl: must be "5m" or "1h"`);
    else if (cc.ttl === '1h' && shortTtlSeen) problem(`${where}.cache_control.ttl: a ttl='1h' cache_control block must not come after a ttl='5m' one`);
    else if (cc.ttl !== '1h') shortTtlSeen = true;
  };

  // tools
  const toolNames = new Set<string>();
  if (body.tools !== undefined) {
    if (!Array.isArray(body.tools)) problem('tools: must be a list');
    else {
      body.tools.forEach((tool: unknown, i: number) => {
        const where = `tools.${i}`;
        if (!isObject(tool)) return problem(`${where}: must be an object`);
        if (typeof tool.name !== 'string' || !TOOL_NAME.test(tool.name)) problem(`${where}.name: must match ${TOOL_NAME}`);
        else if (toolNames.has(tool.name)) problem(`${where}.name: tool names must be unique`);
        else toolNames.add(tool.name);
        if (tool.type !== undefined && tool.type !== 'custom') return; // a server tool: its own rules
        const schema = tool.input_schema;
        if (!isObject(schema)) problem(`${where}.input_schema: Field required`);
        else {
          if (schema.type !== 'object') problem(`${where}.input_schema.type: Input should be 'object'`);
          for (const key of ['oneOf', 'anyOf', 'allOf']) if (key in schema) problem(`${where}.input_schema: input_schema does not support oneOf, allOf, or anyOf at the top level`);
        }
        if (tool.description !== undefined && typeof tool.description !== 'string') problem(`${where}.description: must be a string`);
        cacheControl(tool, where);
      });
    }
  }

  // tool_choice
  const choice = body.tool_choice;
  if (choice !== undefined) {
    if (toolNames.size === 0) problem('tool_choice: may only be specified while providing tools');
    if (!isObject(choice) || !['auto', 'any', 'tool', 'none'].includes(choice.type)) problem('tool_choice.type: must be auto, any, tool or none');
    else if (choice.type === 'tool' && !toolNames.has(choice.name)) problem(`tool_choice.name: ${JSON.stringify(choice.name)} is not one of the tools`);
  }

  // thinking and the sampling limits that come with it
  const thinking = body.thinking;
  const thinkingOn = isObject(thinking) && thinking.type !== 'disabled';
  if (thinking !== undefined) {
    if (!isObject(thinking) || !['enabled', 'disabled', 'adaptive'].includes(thinking.type)) problem('thinking.type: must be enabled, disabled or adaptive');
    else if (thinking.type === 'enabled') {
      if (!Number.isInteger(thinking.budget_tokens) || thinking.budget_tokens < 1024) problem('thinking.budget_tokens: must be >= 1024');
      else if (thinking.budget_tokens >= body.max_tokens) problem('max_tokens: must be greater than thinking.budget_tokens');
    }
  }
  if (thinkingOn) {
    if (body.temperature !== undefined && body.temperature !== 1) problem('temperature: may only be set to 1 when thinking is enabled');
    if (body.top_k !== undefined) problem('top_k: is not compatible with thinking');
    if (body.top_p !== undefined && (body.top_p < 0.95 || body.top_p > 1)) problem('top_p: must be between 0.95 and 1 when thinking is enabled');
    if (isObject(choice) && (choice.type === 'any' || choice.type === 'tool')) problem('tool_choice: thinking may not be enabled when tool_choice forces tool use');
  }
  // Current models refuse both at once ("`temperature` and `top_p` cannot both be specified for this model").
  if (body.temperature !== undefined && body.top_p !== undefined) problem('temperature and top_p cannot both be specified for this model');
  if (body.temperature !== undefined && (typeof body.temperature !== 'number' || body.temperature < 0 || body.temperature > 1)) problem('temperature: must be 0..1');
  if (body.top_p !== undefined && (typeof body.top_p !== 'number' || body.top_p < 0 || body.top_p > 1)) problem('top_p: must be 0..1');
  if (body.top_k !== undefined && (!Number.isInteger(body.top_k) || body.top_k < 0)) problem('top_k: must be an integer >= 0');

  // metadata
  if (body.metadata !== undefined) {
    if (!isObject(body.metadata)) problem('metadata: must be an object');
    else {
      for (const key of Object.keys(body.metadata)) if (key !== 'user_id') problem(`metadata.${key}: Extra inputs are not permitted`);
      const userId = body.metadata.user_id;
      if (userId !== undefined && userId !== null) {
        if (typeof userId !== 'string') problem('metadata.user_id: must be a string');
        else if (userId.length > 256) problem('metadata.user_id: String should have at most 256 characters');
        else if (/@/.test(userId) || /^\+?[\d\s().-]{7,}$/.test(userId)) problem('metadata.user_id: must not contain an e-mail address or phone number');
      }
    }
  }

  if (body.stop_sequences !== undefined) {
    if (!Array.isArray(body.stop_sequences)) problem('stop_sequences: must be a list');
    else body.stop_sequences.forEach((stop: unknown, i: number) => {
      if (typeof stop !== 'string' || stop.trim() === '') problem(`stop_sequences.${i}: each stop sequence must contain non-whitespace`);
    });
  }

  const textBlockProblems = (block: Json, where: string) => {
    if (typeof block.text !== 'string' || block.text.trim() === '') problem(`${where}: text content blocks must contain non-whitespace text`);
    cacheControl(block, where);
  };

  // system
  if (body.system !== undefined) {
    if (typeof body.system === 'string') {
      if (body.system.trim() === '') problem('system: must contain non-whitespace text');
    } else if (!Array.isArray(body.system)) problem('system: must be a string or a list of text blocks');
    else body.system.forEach((block: unknown, i: number) => {
      if (!isObject(block) || block.type !== 'text') problem(`system.${i}.type: must be "text"`);
      else textBlockProblems(block, `system.${i}`);
    });
  }

  // messages
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    problem('messages: at least one message is required');
  } else {
    let usesTools = false;
    let previousRole: string | null = null;
    let pendingToolUses: string[] = [];
    body.messages.forEach((message: unknown, i: number) => {
      const where = `messages.${i}`;
      if (!isObject(message)) return problem(`${where}: must be an object`);
      for (const key of Object.keys(message)) if (key !== 'role' && key !== 'content') problem(`${where}.${key}: Extra inputs are not permitted`);
      if (message.role !== 'user' && message.role !== 'assistant') problem(`${where}.role: must be "user" or "assistant"`);
      if (message.role === previousRole) problem(`${where}.role: roles must alternate between "user" and "assistant"`);
      previousRole = message.role;
      const isLast = i === body.messages.length - 1;
      const blocks: Json[] = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : Array.isArray(message.content) ? message.content : [];
      if (!(typeof message.content === 'string' || Array.isArray(message.content))) problem(`${where}.content: must be a string or a list of blocks`);
      if (blocks.length === 0 && !(isLast && message.role === 'assistant')) problem(`${where}.content: at least one content block is required`);

      // tool_result blocks answer the tool_use blocks of the assistant turn just before, and come first.
      if (pendingToolUses.length > 0) {
        const results = blocks.filter((block) => block?.type === 'tool_result').map((block) => block.tool_use_id);
        const missing = pendingToolUses.filter((id) => !results.includes(id));
        if (message.role !== 'user' || missing.length > 0) {
          problem(`${where}: tool_use ids were found without tool_result blocks immediately after: ${missing.join(', ')}`);
        }
        const firstOther = blocks.findIndex((block) => block?.type !== 'tool_result');
        const lastResult = blocks.map((block) => block?.type).lastIndexOf('tool_result');
        if (firstOther !== -1 && firstOther < lastResult) problem(`${where}: tool_result blocks must come first in the user turn`);
      }
      const answered = new Set(pendingToolUses);
      pendingToolUses = [];
      blocks.forEach((block, j) => {
        const at = `${where}.content.${j}`;
        if (!isObject(block)) return problem(`${at}: must be an object`);
        switch (block.type) {
          case 'text':
            if (isLast && message.role === 'assistant' && j === blocks.length - 1 && /\s$/.test(block.text ?? '')) problem(`${at}: final assistant content cannot end with trailing whitespace`);
            textBlockProblems(block, at);
            break;
          case 'image':
            if (message.role !== 'user') problem(`${at}: images are only allowed in user turns`);
            if (block.source?.type === 'base64' && !IMAGE_TYPES.has(block.source.media_type)) problem(`${at}.source.media_type: unsupported image type`);
            cacheControl(block, at);
            break;
          case 'document':
            cacheControl(block, at);
            break;
          case 'tool_use':
            usesTools = true;
            if (message.role !== 'assistant') problem(`${at}: tool_use blocks belong in assistant turns`);
            if (typeof block.id !== 'string' || !TOOL_USE_ID.test(block.id)) problem(`${at}.id: String should match pattern '${TOOL_USE_ID.source}'`);
            if (typeof block.name !== 'string' || !TOOL_NAME.test(block.name)) problem(`${at}.name: must match ${TOOL_NAME}`);
            if (!isObject(block.input)) problem(`${at}.input: must be an object`);
            pendingToolUses.push(block.id);
            cacheControl(block, at);
            break;
          case 'tool_result':
            usesTools = true;
            if (message.role !== 'user') problem(`${at}: tool_result blocks belong in user turns`);
            if (typeof block.tool_use_id !== 'string' || !TOOL_USE_ID.test(block.tool_use_id)) problem(`${at}.tool_use_id: String should match pattern '${TOOL_USE_ID.source}'`);
            if (!answered.has(block.tool_use_id)) problem(`${at}: unexpected tool_use_id found in tool_result blocks: ${block.tool_use_id}`);
            if (Array.isArray(block.content)) block.content.forEach((inner: Json, k: number) => {
              if (inner?.type === 'text') textBlockProblems(inner, `${at}.content.${k}`);
              else cacheControl(inner ?? {}, `${at}.content.${k}`);
            });
            cacheControl(block, at);
            break;
          case 'thinking':
            if (message.role !== 'assistant') problem(`${at}: thinking blocks belong in assistant turns`);
            if (typeof block.signature !== 'string' || block.signature === '') problem(`${at}.signature: Field required`);
            // Prompt caching: thinking blocks are cached with their turn but cannot carry a marker themselves.
            if (block.cache_control !== undefined) problem(`${at}.cache_control: Extra inputs are not permitted`);
            break;
          case 'redacted_thinking':
            if (typeof block.data !== 'string') problem(`${at}.data: Field required`);
            if (block.cache_control !== undefined) problem(`${at}.cache_control: Extra inputs are not permitted`);
            break;
          default:
            problem(`${at}.type: ${JSON.stringify(block.type)} is not a block type the translator should send`);
        }
      });
    });
    // Anthropic's extended-thinking docs: with thinking on, the final assistant message (a prefill, or the
    // turn whose tool calls the request answers) starts with a thinking block.
    const lastAssistant = body.messages.findLastIndex((message: Json) => message?.role === 'assistant');
    if (thinkingOn && lastAssistant !== -1) {
      const content = body.messages[lastAssistant].content;
      const blocks: Json[] = Array.isArray(content) ? content : [{ type: 'text', text: content }];
      const continues = lastAssistant === body.messages.length - 1 || blocks.some((block) => block?.type === 'tool_use');
      if (continues && !['thinking', 'redacted_thinking'].includes(blocks[0]?.type)) {
        problem(`messages.${lastAssistant}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${blocks[0]?.type}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block`);
      }
    }
    if (usesTools && toolNames.size === 0) problem('tools: requests which include tool_use or tool_result blocks must define tools');
  }
  if (cacheBreakpoints > MAX_CACHE_BREAKPOINTS) problem(`A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found ${cacheBreakpoints}.`);
  return problems;
}
