export { ExchangeAdminRest, formatByteSize, type CmdletInvoker } from './exchangeAdminRest';
export {
  InvokeCommandClient,
  encodeParameters,
  parseErrorBody,
  type FetchLike,
  type InvokeCommandClientOptions,
  type InvokeOptions,
  type RetryEvent,
} from './invokeCommandClient';
export {
  EXCHANGE_SCOPE,
  GRAPH_SCOPE,
  MsalTokenSource,
  StaticTokenSource,
  graphTokenSource,
  type AppCredential,
  type MsalTokenSourceOptions,
  type TokenSource,
} from './tokenSource';

import { ExchangeAdminRest } from './exchangeAdminRest';
import { InvokeCommandClient, type InvokeCommandClientOptions } from './invokeCommandClient';

/** The ExchangeAdmin Cutover uses: production (outlook.office365.com) or the local emulator's URL. */
export function createExchangeAdmin(options: InvokeCommandClientOptions): ExchangeAdminRest {
  return new ExchangeAdminRest(new InvokeCommandClient(options));
}
