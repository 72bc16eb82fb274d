// Encodes ConverseStream messages as Bedrock sends them (binary event-stream frames with the
// :message-type, :event-type or :exception-type and :content-type headers), for the fake
// Bedrock upstream, the conformance fixtures and the translation benchmark.
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

const str = (value: string): { type: 'string'; value: string } => ({ type: 'string', value });

/** One `:message-type: event` frame whose body is `payload` as JSON. */
export function bedrockEvent(eventType: string, payload: Record<string, unknown>): Buffer {
  const frame = codec.encode({
    headers: {
      ':event-type': str(eventType),
      ':content-type': str('application/json'),
      ':message-type': str('event'),
    },
    body: fromUtf8(JSON.stringify(payload)),
  });
  return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
}

/** One `:message-type: exception` frame (e.g. throttlingException) with `{"message"}`. */
export function bedrockException(exceptionType: string, message: string): Buffer {
  const frame = codec.encode({
    headers: {
      ':exception-type': str(exceptionType),
      ':content-type': str('application/json'),
      ':message-type': str('exception'),
    },
    body: fromUtf8(JSON.stringify({ message })),
  });
  return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
}
