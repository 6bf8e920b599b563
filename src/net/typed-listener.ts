/**
 * A listener for an event whose arguments are A (SrtSocketEvents, SrtServerEvents). For an event
 * without arguments a function of one optional argument fits too, so that
 * `new Promise((resolve) => sock.once('end', resolve))` compiles.
 */
export type TypedListener<A extends unknown[]> = A extends [] ? (_?: undefined) => void : (...args: A) => void;
