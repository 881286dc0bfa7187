/**
 * Unary gRPC calls over one raw node:http2 session: the request encoded with
 * the generated code, the response decoded, nothing else. The watch-fanout
 * driver sends its update this way: through a Connect client the update cost
 * the bench process about 3 ms of CPU, which made the single-stream baseline
 * look driver-bound when its watcher did almost nothing.
 */
import { fromBinary, type DescMethodUnary, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { connect, type ClientHttp2Session, type IncomingHttpHeaders } from "node:http2";
import { encodeRequest, grpcRequestHeaders } from "./grpc-request.js";

export class RawUnaryClient {
  private readonly session: ClientHttp2Session;

  constructor(
    address: string,
    private readonly token: string,
  ) {
    this.session = connect(`http://${address}`);
    this.session.on("error", () => {}); // each call reports its own failure
  }

  call<M extends DescMethodUnary>(method: M, request: MessageInitShape<M["input"]>): Promise<MessageShape<M["output"]>> {
    const { path, frame } = encodeRequest(method, request);
    return this.callFrame(path, frame).then((message) => fromBinary(method.output, message) as MessageShape<M["output"]>);
  }

  /** One call of a request already in its gRPC frame; resolves with the response message's bytes. */
  callFrame(path: string, frame: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const stream = this.session.request(grpcRequestHeaders(path, this.token));
      const chunks: Buffer[] = [];
      let status: IncomingHttpHeaders | undefined;
      // A call refused at once answers trailers-only: its status is in the response headers.
      const noteStatus = (headers: IncomingHttpHeaders) => {
        if (headers["grpc-status"] !== undefined) status = headers;
      };
      stream.on("response", noteStatus);
      stream.on("trailers", noteStatus);
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", reject);
      stream.on("close", () => {
        if (status?.["grpc-status"] !== "0") {
          const message = decodeURIComponent(String(status?.["grpc-message"] ?? ""));
          reject(new Error(`${path} ended with gRPC status ${status?.["grpc-status"] ?? "(none)"}: ${message}`));
          return;
        }
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        resolve(body.subarray(5, 5 + body.readUInt32BE(1)));
      });
      stream.end(frame);
    });
  }

  close(): void {
    this.session.close();
  }
}
