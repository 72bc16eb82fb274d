// The two per-stream timers of Envoy's HCM and router: the stream idle timeout (HCM
// stream_idle_timeout, overridden by the route's idle_timeout), reset by any activity in either
// direction, and the route timeout, from the end of the request to the end of the response.
// https://www.envoyproxy.io/docs/envoy/latest/faq/configuration/timeouts#stream-timeouts
export class StreamTimers {
  private idleTimer: NodeJS.Timeout | undefined;
  private routeTimer: NodeJS.Timeout | undefined;
  private cleared = false;

  constructor(
    private idleMs: number,
    private readonly onTimeout: (which: 'idle' | 'route') => void,
  ) {
    this.touch();
  }

  /** Activity on the stream: restarts the idle timer. */
  touch(): void {
    if (this.cleared) return;
    clearTimeout(this.idleTimer);
    if (this.idleMs > 0) this.idleTimer = setTimeout(() => this.fire('idle'), this.idleMs);
  }

  setIdleTimeout(ms: number): void {
    this.idleMs = ms;
    this.touch();
  }

  startRouteTimeout(ms: number): void {
    if (this.cleared || ms <= 0) return;
    clearTimeout(this.routeTimer);
    this.routeTimer = setTimeout(() => this.fire('route'), ms);
  }

  clear(): void {
    this.cleared = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.routeTimer);
  }

  private fire(which: 'idle' | 'route'): void {
    if (this.cleared) return;
    this.clear();
    this.onTimeout(which);
  }
}
