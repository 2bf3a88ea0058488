// Talking to the callback API from a page: JSON in and out, API.md's error format.
export interface ApiErrorBody {
  error: { code: string; message: string; details?: { path: string; message: string }[] };
}

export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

export async function callApi<T>(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...init.headers,
      },
      credentials: 'same-origin',
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
  } catch {
    throw new ApiCallError(0, 'NETWORK', 'network error');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const body = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const error = (body as ApiErrorBody | undefined)?.error;
    throw new ApiCallError(
      response.status,
      error?.code ?? 'HTTP_' + response.status,
      error?.message ?? text,
      error?.details,
    );
  }
  return body as T;
}

export interface Slot {
  start: string;
  end: string;
  capacity: number;
  remaining: number;
}

export interface Availability {
  immediate: { available: boolean };
  deferred: { available: boolean; slots: Slot[] };
}

export interface WidgetConfig {
  projectId: string;
  name: string;
  timezone: string;
  defaultCountry: string;
  countries: string[];
  recording: { enabled: boolean };
  immediate: { enabled: boolean };
  deferred: { enabled: boolean };
}

export interface BookedCallback {
  id: string;
  mode: 'immediate' | 'deferred';
  status: string;
  scheduledAt: string;
  slotStart?: string;
  manageUrl?: string;
}
