// The processing mode in force for one session: the configured (or per-route) mode, replaced by
// an allowed mode_override, with a direction's body switched off by CONTINUE_AND_REPLACE; and
// what the mode implies for content-length (ProcessingMode.BodySendMode docs).
import type { ProcessingResponse__Output } from '../../gen/protos/envoy/service/ext_proc/v3/ProcessingResponse';
import { parseProcessingMode, type ProcessingModes } from './config';
import type { BodyMode } from './types';

export type Direction = 'request' | 'response';

export class SessionModes {
  private modes: ProcessingModes;

  constructor(
    configured: ProcessingModes,
    private readonly allowModeOverride: boolean,
  ) {
    this.modes = { ...configured };
  }

  sendsHeaders(dir: Direction): boolean {
    return dir === 'request' ? this.modes.requestHeaders : this.modes.responseHeaders;
  }

  body(dir: Direction): BodyMode {
    return dir === 'request' ? this.modes.requestBody : this.modes.responseBody;
  }

  /** CONTINUE_AND_REPLACE: nothing more of this direction's body goes to the processor. */
  stopBody(dir: Direction): void {
    if (dir === 'request') this.modes.requestBody = 'NONE';
    else this.modes.responseBody = 'NONE';
  }

  /** mode_override replaces the whole mode, for both directions, when the config allows it. */
  override(response: ProcessingResponse__Output): void {
    if (!this.allowModeOverride || !response.mode_override) return;
    try {
      this.modes = parseProcessingMode(response.mode_override, 'mode_override', true);
    } catch {
      // An enum value we do not know: keep the current mode, as Envoy could not decode it either.
    }
  }

  /** STREAMED bodies, and BUFFERED ones whose headers are not sent, cannot keep content-length right. */
  shouldRemoveContentLength(dir: Direction): boolean {
    const mode = this.body(dir);
    return mode === 'STREAMED' || (mode === 'BUFFERED' && !this.sendsHeaders(dir));
  }
}
