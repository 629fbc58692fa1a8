namespace Lifeboat.IntegrationTests; public class Placeholder { }
