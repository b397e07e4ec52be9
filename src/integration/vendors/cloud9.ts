import { type Cloud9Location, Cloud9LocationList } from '../schemas';
import { type HttpTransport, INTEGRATION_API_HEADERS, required } from '../transport';

const LOCATIONS_PATH = '/commonservices/cloud9/locations';

/** Cloud 9 Ortho's locations, read through the integration API (the bot never calls Cloud 9 itself). */
export class Cloud9Api {
  constructor(
    private readonly transport: HttpTransport,
    /** The integration API's base URL. */
    private readonly origin: string,
  ) {}

  async locations(clientId: string, isAwsHosted: boolean): Promise<Cloud9Location[]> {
    const client = required(clientId, 'Cloud 9 client ID');
    return this.transport.send({
      operation: 'cloud9Locations',
      method: 'GET',
      origin: this.origin,
      path: LOCATIONS_PATH,
      pathTemplate: LOCATIONS_PATH,
      headers: { ...INTEGRATION_API_HEADERS },
      query: { clientId: client, isAwsHosted: String(isAwsHosted) },
      response: Cloud9LocationList,
      secrets: [client],
    });
  }
}
