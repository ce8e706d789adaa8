/** What the service answers to every request, over HTTP and WebSocket alike. */
export interface ServiceAnswer {
  /** The function the request named ("" when it named none). */
  function: string;
  code: number;
  success: boolean;
  /** The function's output (on success, and the specification's error text where it has one). */
  pOutInfo?: string;
  /** Why the request failed, when the service (not the card) refused it. */
  error?: string;
  /** The WebSocket request's `id`, echoed. */
  id?: string | number;
}
