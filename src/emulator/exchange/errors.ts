// Cmdlet failures as Exchange reports them (reference §1.5): HTTP status, OData code,
// and details[0].message = "ErrorId|ExceptionType|Text".
// Texts marked "(sheet)" are quoted from the reference; the others are modelled on Exchange's
// wording where the real text is not on record (see README.md in this folder).

/** The "…couldn't be found on '<DC>'" part names a domain controller in Exchange Online. */
export const DOMAIN_CONTROLLER = 'CY4PR01A001DC01.NAMPR01A001.PROD.OUTLOOK.COM';

export class CmdletError extends Error {
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
  // (sheet) a missing batch was seen as ExBDDC58
  return notFound(identity, 'ExBDDC58');
}

export function unknownParameter(name: string): CmdletError {
  return new CmdletError(
    400,
    'BadRequest',
    'ExC2D7C1',
    T.paramBinding,
    `A parameter cannot be found that matches parameter name '${name}'.`,
    name,
    'Invalid Operation',
  );
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
  return new CmdletError(
    400,
    'BadRequest',
    'Ex5B16A0',
    T.paramBinding,
    `Cannot process argument transformation on parameter '${parameter}'. Cannot convert value "${String(value)}" to type "${typeName}". ` +
      `Error: "Unable to match the identifier name ${String(value)} to a valid enumerator name. Specify one of the following enumerator names and try again:\r\n${allowed.join(', ')}"`,
    parameter,
    'Invalid Operation',
  );
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

/** The error body (§1.5): generic message on top, the 3-part reason in details and internalexception. */
export function errorBody(e: CmdletError): Record<string, unknown> {
  const detail = `${e.errorId}|${e.exceptionType}|${e.text}`;
  return {
    error: {
      code: e.code,
      message: e.genericMessage,
      details: [{ code: 'Client', target: e.target, message: detail }],
      innererror: {
        message: e.genericMessage,
        type: 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException',
        stacktrace: '',
        internalexception: {
          message: detail,
          type: 'Microsoft.Exchange.Management.PSDirectInvoke.DirectInvokeCmdletExecutionException',
          stacktrace: '',
        },
      },
    },
    'adminapi.warnings@odata.type': '#Collection(String)',
    '@adminapi.warnings': [],
  };
}
