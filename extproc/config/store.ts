// Holds the ProcessorConfig extproc currently serves. A swap replaces the whole object, never
// mutates it, so a stream that captured `current()` when it started keeps a consistent view for
// its whole life: hot reload never changes the rules under an in-flight request.
import type { ProcessorConfig } from './schema';

export type ConfigListener = (config: ProcessorConfig) => void;

export class ConfigStore {
  private config: ProcessorConfig | undefined;
  private readonly listeners = new Set<ConfigListener>();

  constructor(initial?: ProcessorConfig) {
    this.config = initial;
  }

  /** The config new streams use; undefined until the first one arrives. */
  current(): ProcessorConfig | undefined {
    return this.config;
  }

  /** Swaps in a new (already validated) config; listeners run after the swap. */
  set(config: ProcessorConfig): void {
    this.config = Object.freeze(config);
    for (const listener of this.listeners) listener(config);
  }

  /** Registers a listener; returns the function that removes it. */
  onChange(listener: ConfigListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
