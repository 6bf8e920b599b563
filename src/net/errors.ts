import { rejectReasonName } from '../protocol/reject-reason';

/** An Error with Node's system-error shape (err.code) plus SRT details. */
export interface SrtError extends Error {
  code: string;
  /** libsrt's reject reason name, e.g. 'SRT_REJ_PEER' (handshake rejections only). */
  reason?: string;
  /** libsrt's numeric reject reason (the wire value minus 1000). */
  rejectCode?: number;
  address?: string;
  port?: number;
}

export function srtError(code: string, message: string, extra: Partial<SrtError> = {}): SrtError {
  const err = new Error(message) as SrtError;
  err.code = code;
  Object.assign(err, extra);
  return err;
}

export function rejectionError(rejectCode: number, detail: string, address?: string, port?: number): SrtError {
  const reason = rejectReasonName(rejectCode);
  return srtError('ECONNREFUSED', `SRT connection rejected: ${reason}${detail ? ` (${detail})` : ''}`, {
    reason,
    rejectCode,
    address,
    port,
  });
}

/** What an aborted signal makes an operation fail with, as Node's own (name 'AbortError', code 'ABORT_ERR'). */
export function abortError(reason: unknown): SrtError {
  const err = srtError('ABORT_ERR', 'The operation was aborted', { cause: reason } as Partial<SrtError>);
  err.name = 'AbortError';
  return err;
}
