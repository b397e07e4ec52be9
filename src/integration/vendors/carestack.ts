import { BotError } from '../../errors';
import {
  type CarestackAppointmentStatus,
  CarestackAppointmentStatusList,
  type CarestackLocation,
  CarestackLocationList,
} from '../schemas';
import { type HttpCall, type HttpTransport, required } from '../transport';

export interface CarestackOptions {
  /** The deployment's CARESTACK_VENDOR_KEY; Carestack lookups fail with not_configured without it. */
  vendorKey?: string;
  /** Default https://{domain}.carestack.com; `{domain}` is replaced by the customer domain. */
  baseUrlTemplate?: string;
}

export interface CarestackCredentials {
  /** The part of the client's Carestack URL before `.carestack.com`, e.g. `partners.sb`. */
  domain: string;
  accountKey: string;
  accountId: string;
}

const DEFAULT_BASE_URL = 'https://{domain}.carestack.com';
/** Hostname labels only: the domain goes into a URL, so nothing that could change its host or path. */
const CUSTOMER_DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;

/** Carestack's own API, called directly with the deployment's vendor key and the client's account key and ID. */
export class CarestackApi {
  private readonly vendorKey: string | undefined;
  private readonly baseUrlTemplate: string;

  constructor(
    private readonly transport: HttpTransport,
    options: CarestackOptions = {},
  ) {
    this.vendorKey = options.vendorKey || undefined;
    this.baseUrlTemplate = options.baseUrlTemplate ?? DEFAULT_BASE_URL;
  }

  async locations(credentials: CarestackCredentials): Promise<CarestackLocation[]> {
    return this.transport.send({
      ...this.read('carestackLocations', '/api/v1.0/locations', credentials),
      response: CarestackLocationList,
    });
  }

  async appointmentStatuses(credentials: CarestackCredentials): Promise<CarestackAppointmentStatus[]> {
    return this.transport.send({
      ...this.read('carestackAppointmentStatuses', '/api/v1.0/appointment-status', credentials),
      response: CarestackAppointmentStatusList,
    });
  }

  private read(
    operation: string,
    path: string,
    credentials: CarestackCredentials,
  ): Omit<HttpCall<unknown>, 'response' | 'notFound'> {
    const vendorKey = this.vendorKey;
    if (!vendorKey) {
      throw new BotError(
        'not_configured',
        'Carestack lookups need the Carestack vendor key: the bot owners must set CARESTACK_VENDOR_KEY.',
      );
    }
    const domain = credentials.domain.trim();
    if (!CUSTOMER_DOMAIN.test(domain)) {
      throw new BotError(
        'validation_failed',
        'The Carestack customer domain must be the part of the URL before .carestack.com, like partners.sb.',
      );
    }
    const accountKey = required(credentials.accountKey, 'Carestack account key');
    const accountId = required(credentials.accountId, 'Carestack account ID');
    return {
      operation,
      method: 'GET',
      origin: this.baseUrlTemplate.replaceAll('{domain}', domain).replace(/\/+$/, ''),
      path,
      pathTemplate: path,
      headers: {
        VendorKey: vendorKey,
        AccountKey: accountKey,
        AccountId: accountId,
        'Content-Type': 'application/json',
        Accept: 'application/json',
      },
      secrets: [vendorKey, accountKey, accountId],
    };
  }
}
