export interface MonitoringGeneratorSchema {
  app?: string;
}
