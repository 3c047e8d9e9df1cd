// Cmdlet failures as Exchange reports them. The body shapes follow the real captures in
// shared/reference/exo-captures (05-*, 06-*): a 404 carries details[0] = "ErrorId|ExceptionType|Text",
// a generic DirectInvokeCmdletExecutionException internalexception and the warnings pair inside
// `error`; a bad-enum 400 has no details; an unknown-parameter 400 has an empty ErrorId and no
// warnings; the expired-paging 400 is System.Exception with no details and no warnings.
// Texts marked "(capture)" or "(Learn)" are quoted; the others are modelled on Exchange's wording
// where the real text is not on record (see README.md in this folder). Task refusals other than
// not-found (CSV, duplicate batch, ...) were never captured on the wire: they use the 404 shape
// with HTTP 400, an inference the contract tests mark as such.

/** The "…couldn't be found on '<DC>'" part names a domain controller in Exchange Online. */
export const DOMAIN_CONTROLLER = 'CY4PR01A001DC01.NAMPR01A001.PROD.OUTLOOK.COM';

/** Which captured body this error is shaped like. */
export type ErrorShape = 'cmdlet' | 'badEnum' | 'unknownParameter' | 'paginationExpired';

export class CmdletError extends Error {
  shape: ErrorShape = 'cmdlet';
  constructor(
    readonly httpStatus: number,
    readonly code: string,
    readonly errorId: string,
    readonly exceptionType: string,
    readonly text: string,
    readonly target = '',
    readonly genericMessage = 'Error executing cmdlet',
  ) {
    super(text);
    this.name = 'CmdletError';
  }
}

const T = {
  notFound: 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException',
  paramBinding: 'System.Management.Automation.ParameterBindingException',
  argument: 'Microsoft.Exchange.Configuration.Tasks.TaskArgumentException',
  migrationPermanent: 'Microsoft.Exchange.Migration.MigrationPermanentException',
};

export function notFound(identity: string, errorId = 'Ex6F9304'): CmdletError {
  // (sheet) ManagementObjectNotFoundException text
  return new CmdletError(
    404,
    'NotFound',
    errorId,
    T.notFound,
    `The operation couldn't be performed because object '${identity}' couldn't be found on '${DOMAIN_CONTROLLER}'.`,
  );
}

export function batchNotFound(identity: string): CmdletError {
  // (capture) 06-error-404-get-migrationbatch: ExBDDC58 and its own text.
  return new CmdletError(404, 'NotFound', 'ExBDDC58', T.notFound, `The migration batch "${identity}" can't be found.`);
}

export function unknownParameter(name: string): CmdletError {
  // (capture) 05-error-400-unknown-parameter: empty ErrorId, AmbiguousParameterSetException.
  const e = new CmdletError(
    400,
    'BadRequest',
    '',
    'Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException',
    `Parameter set cannot be resolved using the specified named parameters. Invalid cmdlet parameters specified. ${name}`,
    '',
    'Invalid Operation',
  );
  e.shape = 'unknownParameter';
  return e;
}

/** (capture) 05-error-400-pagination-expired: what a followed (or forged) next link gets under strict paging. */
export function paginationExpired(): CmdletError {
  const e = new CmdletError(
    400,
    'BadRequest',
    '',
    'System.Exception',
    'Expired or Invalid pagination request. Default Expiry time is 00:30:00',
    '',
    'Invalid Operation',
  );
  e.shape = 'paginationExpired';
  return e;
}

export function missingParameter(names: string[]): CmdletError {
  return new CmdletError(
    400,
    'BadRequest',
    'Ex9A4E2F',
    T.paramBinding,
    `Cannot process command because of one or more missing mandatory parameters: ${names.join(' ')}.`,
    names[0] ?? '',
    'Invalid Operation',
  );
}

export function badEnum(parameter: string, value: unknown, typeName: string, allowed: readonly string[]): CmdletError {
  // (capture) 05-error-400-invalid-enum: ParameterTransformationException, no details.
  const e = new CmdletError(
    400,
    'BadRequest',
    '',
    'Microsoft.Exchange.AdminApi.CommandInvocation.ParameterTransformationException',
    `Cannot process argument transformation on parameter '${parameter}'. Cannot convert value "${String(value)}" to type "${typeName}". ` +
      `Error: "Unable to match the identifier name ${String(value)} to a valid enumerator name. Specify one of the following enumerator names and try again: ${allowed.join(', ')}"`,
    parameter,
    'Invalid Operation',
  );
  e.shape = 'badEnum';
  return e;
}

export function badArgument(parameter: string, text: string): CmdletError {
  return new CmdletError(400, 'BadRequest', 'Ex0F2C55', T.paramBinding, text, parameter, 'Invalid Operation');
}

/** A task-level refusal (the cmdlet ran and said no). */
export function taskError(exceptionType: string, text: string, errorId = 'Ex3E4B8D', target = ''): CmdletError {
  return new CmdletError(400, 'BadRequest', errorId, exceptionType, text, target);
}

export const ExceptionTypes = {
  ...T,
  csv: 'Microsoft.Exchange.Migration.CsvValidationException',
  userAlreadyMigrating: 'Microsoft.Exchange.Migration.UserAlreadyBeingMigratedException',
  batchCannotBeCompleted: 'Microsoft.Exchange.Migration.MigrationBatchCannotBeCompletedException',
  batchCannotBeRemoved: 'Microsoft.Exchange.Migration.MigrationJobCannotBeRemovedException',
  batchCannotBeStopped: 'Microsoft.Exchange.Migration.MigrationBatchCannotBeStoppedException',
  batchCannotBeStarted: 'Microsoft.Exchange.Migration.MigrationBatchCannotBeStartedException',
  batchAlreadyExists: 'Microsoft.Exchange.Migration.MigrationBatchAlreadyExistsException',
  endpointAlreadyExists: 'Microsoft.Exchange.Migration.MigrationEndpointDuplicateException',
  endpointInUse: 'Microsoft.Exchange.Migration.MigrationEndpointInUseException',
  serverConnection: 'Microsoft.Exchange.Migration.MigrationServerConnectionFailedException',
  dataValidation: 'Microsoft.Exchange.Data.DataValidationException',
};

const ODATA_EXCEPTION = 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException';
const DIRECT_INVOKE = 'Microsoft.Exchange.Management.PSDirectInvoke.DirectInvokeCmdletExecutionException';
/** (capture) the innererror stack trace of the 2022 pagination and 2023 404 bodies. */
const INVOKE_STACK =
  '   at Microsoft.Exchange.AdminApi.CommandInvocation.CommandInvocation.InvokeCommand(QueryContext queryContext, CmdletInvokeInputType cmdletInvokeInputType)\r\n' +
  '   at Microsoft.Exchange.Admin.OData.Core.PathSegmentToExpressionTranslator.Translate(OperationImportSegment segment)\r\n' +
  '   at Microsoft.Exchange.Admin.OData.Core.QueryContext.ResolveQuery(ODataContext context, Int32 level)\r\n' +
  '   at Microsoft.Exchange.Admin.OData.Core.Handlers.OperationHandler.Process(IODataRequestMessage requestMessage, IODataResponseMessage responseMessage)\r\n' +
  '   at Microsoft.Exchange.Admin.OData.Core.Handlers.RequestHandler.Process(Stream requestStream)';
const WARNINGS = { 'adminapi.warnings@odata.type': '#Collection(String)', '@adminapi.warnings': [] as string[] };

/** The error body, shaped like the capture of its kind (see the header of this file). */
export function errorBody(e: CmdletError): Record<string, unknown> {
  const inner = (stacktrace: string, internal: Record<string, unknown>) => ({
    message: e.genericMessage,
    type: ODATA_EXCEPTION,
    stacktrace,
    internalexception: internal,
  });
  switch (e.shape) {
    case 'badEnum':
      return {
        error: {
          code: e.code,
          message: e.genericMessage,
          innererror: inner('', { message: e.text, type: e.exceptionType, stacktrace: '' }),
          ...WARNINGS,
        },
      };
    case 'unknownParameter':
      return {
        error: {
          code: e.code,
          message: e.genericMessage,
          details: [{ code: 'Client', target: '', message: `${e.errorId}|${e.exceptionType}|${e.text}` }],
          innererror: inner('', { message: e.text, type: e.exceptionType, stacktrace: '' }),
        },
      };
    case 'paginationExpired':
      return {
        error: {
          code: e.code,
          message: e.genericMessage,
          innererror: inner(INVOKE_STACK, { message: e.text, type: e.exceptionType, stacktrace: '' }),
        },
      };
    default:
      // (capture) 06-error-404-remove-mailbox: the text only in details[0]; a generic internalexception.
      return {
        error: {
          code: e.code,
          message: e.genericMessage,
          details: [{ code: 'Client', target: e.target, message: `${e.errorId}|${e.exceptionType}|${e.text}` }],
          innererror: inner(INVOKE_STACK, {
            message: `Exception of type '${DIRECT_INVOKE}' was thrown.`,
            type: DIRECT_INVOKE,
            stacktrace:
              '   at Microsoft.Exchange.Management.PSDirectInvoke.PSDirectInvokeCmdletFactory.InvokeCmdletInternal[TCmdlet,TResult](Func`1 createCmdlet, Action`1 setParameterDelegate, List`1 captureAdditionalIO, List`1 directInvokeExceptions, Boolean shouldAllowProactiveProxyToReturnRoutingHint)',
          }),
          ...WARNINGS,
        },
      };
  }
}
