/** The identity of a host across snapshots: `address:port`, IPv6 in brackets. */
export function hostKey(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
