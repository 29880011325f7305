// This app's image, without Docker: its run-time install is exactly what the bundle imports reach, and it passes
// the image smoke test as a production process.
import { describeImage } from '@mcp-fleet/testing/image';

describeImage('text-tools');
