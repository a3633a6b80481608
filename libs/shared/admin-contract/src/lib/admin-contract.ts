export function adminContract(): string {
  return 'admin-contract';
}
