/**
 * What counts as a failed request, once, for every traffic generator (load engine, canary gate):
 * k6's `http_req_failed` (no response, or a status outside 200-399) and the runbook's availability
 * (no response, or a 5xx: a 4xx is the client's problem).
 */

/** A response k6 counts as expected (`expected_response:true`). */
export function isExpectedStatus(status: number): boolean {
  return status >= 200 && status < 400;
}

/** No response at all (undefined), or the service said it is unavailable (5xx). */
export function isUnavailable(status: number | undefined): boolean {
  return status === undefined || status >= 500;
}
