// Upstream bytes -> client SSE text for a streamed response: the SSE decoder, the Responses state machine
// and the `event:` + `data:` encoder in one pure object, so the I/O code and the fixture tests run exactly
// the same path: the streaming writer's transform for POST /v1/responses.
import type { ResponseObject, ResponsesStreamEvent } from '../../wire/openai-responses.ts';
import { AnthropicSseTransform } from '../anthropic/sse-transform.ts';
import { ResponsesStreamMachine, type ResponsesEmit, type ResponsesStreamOptions, type ResponsesStreamStatus } from './stream.ts';

/** One Responses event as SSE: its type as the event name, the whole event as data. */
export function encodeResponsesEvent(event: ResponsesStreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

export interface ResponsesSseOptions extends ResponsesStreamOptions {
  maxEventBytes?: number;
  /** Called once with the final response, before the call that finished the stream returns its last event. */
  onFinish?: (response: ResponseObject) => void;
}

export class ResponsesSseTranslator extends AnthropicSseTransform<ResponsesEmit> {
  readonly machine: ResponsesStreamMachine;
  protected readonly emit: ResponsesEmit = (event) => {
    this.out += encodeResponsesEvent(event);
  };
  private onFinish: ((response: ResponseObject) => void) | undefined;

  constructor(options: ResponsesSseOptions) {
    super(options.maxEventBytes);
    this.machine = new ResponsesStreamMachine(options);
    this.onFinish = options.onFinish;
  }

  get status(): ResponsesStreamStatus {
    return this.machine.status;
  }

  /** Hands over the final response once, before the text that finishes the stream is returned. */
  protected override take(): string {
    const finished = this.machine.response;
    if (finished !== null && this.onFinish) {
      const onFinish = this.onFinish;
      this.onFinish = undefined;
      onFinish(finished);
    }
    return super.take();
  }
}
