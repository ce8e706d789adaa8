import { SscardError } from '../errors.js';
import type { ReaderFunctionBackend, ReaderFunctionResult } from '../reader-functions/reader-function-call.js';
import { CardQueue } from './card-queue.js';
import { formatRequestLog } from './request-log.js';
import { type RequestLabel, RequestParser, type ServiceRequest } from './request-parser.js';
import type { ServiceAnswer } from './service-answer.js';
import { ServiceRefusal } from './service-refusal.js';

export interface CardServiceOptions {
  backend: ReaderFunctionBackend;
  /** From a request's arrival to its answer, waiting for the card included. */
  timeoutMs: number;
  /** Requests that may wait for the card at once. */
  maxWaiting: number;
  /** Receives one line per request (without secrets or card data). */
  log: (line: string) => void;
}

/** An answer and the HTTP status it goes out with (200 whenever the card was asked). */
export interface ServiceReply {
  answer: ServiceAnswer;
  httpStatus: number;
}

/**
 * The transport-free heart of `sscard serve`: a request's JSON text in, an answer out. Checks the
 * request against its schema, runs it on the backend through the one card queue, logs one line.
 * HTTP and WebSocket both go through here, so both give the same answers.
 */
export class CardService {
  private readonly parser = new RequestParser();
  private readonly queue: CardQueue;

  constructor(private readonly options: CardServiceOptions) {
    this.queue = new CardQueue({ timeoutMs: options.timeoutMs, maxWaiting: options.maxWaiting });
  }

  /** Answers one request; never throws. */
  async handle(text: string, via: string): Promise<ServiceReply> {
    const started = performance.now();
    const parsed = this.parser.parse(text);
    if (!parsed.ok) return this.refuse(parsed.label, parsed.refusal, via, started);
    const { request } = parsed;
    try {
      const result = await this.queue.run(() => this.options.backend.call(request.name, request.inputs));
      const answer = resultAnswer(request, result);
      this.options.log(formatRequestLog({ via, inputs: request.inputs, answer, ms: performance.now() - started }));
      return { answer, httpStatus: 200 };
    } catch (error) {
      return this.refuse(labelOfRequest(request), asRefusal(error), via, started, request);
    }
  }

  /** Waits for the card work already queued (at most one request timeout), so stopping does not cut a debit in half. */
  idle(): Promise<void> {
    return this.queue.idle(this.options.timeoutMs);
  }

  /** The answer to a request refused before or instead of the card (also for the transports' own refusals). */
  refuse(label: RequestLabel, refusal: ServiceRefusal, via: string, started: number, request?: ServiceRequest): ServiceReply {
    const answer: ServiceAnswer = { ...label, code: refusal.readerCode, success: false, error: refusal.message };
    this.options.log(
      formatRequestLog({
        via,
        ...(request ? { inputs: request.inputs } : {}),
        answer,
        refusal: refusal.message,
        ms: performance.now() - started,
      }),
    );
    return { answer, httpStatus: refusal.httpStatus };
  }
}

function labelOfRequest(request: ServiceRequest): RequestLabel {
  return { function: request.name, ...(request.id === undefined ? {} : { id: request.id }) };
}

/** A function's result as the service answers it; a negative code carries its text as `error` too. */
function resultAnswer(request: ServiceRequest, result: ReaderFunctionResult): ServiceAnswer {
  const success = result.code === 0;
  return {
    ...labelOfRequest(request),
    code: result.code,
    success,
    pOutInfo: result.pOutInfo,
    ...(success ? {} : { error: result.pOutInfo || `the reader function returned ${result.code}` }),
  };
}

/** What a backend that threw (instead of returning a code) means for the caller. */
function asRefusal(error: unknown): ServiceRefusal {
  if (error instanceof ServiceRefusal) return error;
  const message =
    error instanceof SscardError ? error.message : `internal error: ${error instanceof Error ? error.message : String(error)}`;
  return new ServiceRefusal('backend', message);
}
