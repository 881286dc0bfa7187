/** A batch names at most this many references (and so its audit row at most this many secrets). */
export const MAX_REFERENCES_PER_CALL = 1000;
