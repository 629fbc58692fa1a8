namespace Lifeboat.Core.Tests; public class Placeholder { }
