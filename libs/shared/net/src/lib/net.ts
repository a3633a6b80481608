export function net(): string {
  return 'net';
}
