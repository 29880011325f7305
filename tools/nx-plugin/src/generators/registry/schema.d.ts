export interface RegistryGeneratorSchema {
  app?: string;
}
