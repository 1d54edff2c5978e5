import JourneyCLI

await JourneyCommand.runFromCommandLine()
