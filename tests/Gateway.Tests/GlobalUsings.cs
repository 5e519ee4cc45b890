global using Gateway;
global using Xunit;
