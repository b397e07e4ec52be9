import {
  type NextechLocation,
  NextechLocationList,
  type NextechPractitioner,
  NextechPractitionerList,
} from '../schemas';
import { digits, type HttpTransport, INTEGRATION_API_HEADERS, required } from '../transport';

/** Nextech's practitioners and locations, read through the integration API (the bot never calls Nextech itself). */
export class NextechApi {
  constructor(
    private readonly transport: HttpTransport,
    /** The integration API's base URL. */
    private readonly origin: string,
  ) {}

  async practitioners(practiceId: string, newVersion = false): Promise<NextechPractitioner[]> {
    const practice = required(practiceId, 'Nextech practice ID');
    return this.transport.send({
      ...this.read('nextechPractitioners', '/nextech/practitioners', practice),
      query: { practiceId: practice, nextechNewVersion: String(newVersion) },
      response: NextechPractitionerList,
    });
  }

  /** `businessNumber` only to check an existing location's configured name (as the article says). */
  async locations(practiceId: string, businessNumber?: number | string): Promise<NextechLocation[]> {
    const practice = required(practiceId, 'Nextech practice ID');
    const query: Record<string, string> = { practiceId: practice };
    if (businessNumber !== undefined) query.businessNumber = digits(businessNumber, 'business number');
    query.nextechNewVersion = 'false';
    return this.transport.send({
      ...this.read('nextechLocations', '/nextech/locations', practice),
      query,
      response: NextechLocationList,
    });
  }

  private read(operation: string, path: string, practiceId: string) {
    return {
      operation,
      method: 'GET' as const,
      origin: this.origin,
      path,
      pathTemplate: path,
      headers: { ...INTEGRATION_API_HEADERS },
      secrets: [practiceId],
    };
  }
}
