import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** This process's name in the status answer: host, pid and a random suffix (unique per boot). */
export const INSTANCE_ID = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
